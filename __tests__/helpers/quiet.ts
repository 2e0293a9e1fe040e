// Runs before every test file (jest.config.js `setupFiles`): quiet what libraries print
// on their own during a green run.

// The AWS SDK warns once per process that its 2027 releases need Node >= 22; the tests
// run on whatever Node is at hand, and the warning says nothing about them.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
