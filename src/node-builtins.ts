/**
 * Node's HTTP modules, loaded with require. An ESM import of a built-in module builds its whole
 * namespace, and node:http's exports include lazy getters (WebSocket and friends) that load undici:
 * about 12 MiB more resident memory in every process, the collector's and the agent's, for code
 * neither runs. (Measured on Node 24: a process serving HTTP and UDP is 61 MiB resident with
 * `import http`, 49 MiB with require.)
 */
import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import type * as Https from 'node:https';

const require = createRequire(import.meta.url);
export const http = require('node:http') as typeof Http;
export const https = require('node:https') as typeof Https;
