/** Where the compiled parts live, from dist/bench/ back to the repository root. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONTROLLER_MAIN = path.join(ROOT, 'dist/controller/main.js');
export const AGENT_MAIN = path.join(ROOT, 'dist/agent/main.js');
export const SIMULATOR_MAIN = path.join(ROOT, 'dist/bench/simulator.js');
export const AGENT_BINARY = path.join(ROOT, 'dist/agent/linux-x64/batch-agent');
export const RESULTS_DIR = path.join(ROOT, 'bench/results');
export const PROFILES_DIR = path.join(RESULTS_DIR, 'profiles');
