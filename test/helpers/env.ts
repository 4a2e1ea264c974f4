// Loaded before every test file (.mocharc.json): quiet logs unless LOG_LEVEL asks for them.
process.env.NODE_ENV ??= 'test';
