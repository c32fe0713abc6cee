export * from './common.js';
export * from './environment.js';
export * from './images.js';
export * from './policy.js';
export * from './retired-keys.js';
export * from './rucio-daemon-table.js';
export * from './rucio-daemons.js';
export * from './rucio-server.js';
