import type { ClockPort } from '../ports.js';

export class SystemClock implements ClockPort {
  now(): Date {
    return new Date();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
