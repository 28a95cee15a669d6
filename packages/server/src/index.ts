export { createApp, type App, type AppDeps } from './app.js';
export { startServer, type RunningServer } from './main.js';
export { loadConfig, ConfigError, ENV_VARS, type Config } from './config.js';
export { ManualClock, RealClock, type Clock } from './clock.js';
export { openDatabase, dropSchema, type Database } from './store/db.js';
export { bootstrap, DEFAULT_WORKSPACE } from './bootstrap.js';
export { VERSION } from './version.js';
