// Written into `dg-tool` as `<TOOL_NAME>/<VERSION>`. A unit test keeps VERSION equal to
// package.json's version, so a release bump cannot forget it.
export const TOOL_NAME = 'deltaglider-action';
export const VERSION = '1.0.0';
export const TOOL_ID = `${TOOL_NAME}/${VERSION}`;
