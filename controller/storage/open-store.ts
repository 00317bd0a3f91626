/** Picks the object store from the configuration: S3-compatible when an endpoint is set. */
import type { ControllerConfig } from '../config.js';
import { LocalObjectStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { S3ObjectStore } from './s3-store.js';

export function openObjectStore(config: ControllerConfig, baseUrl: () => string): ObjectStore {
  if (config.oss) return new S3ObjectStore(config.oss);
  return new LocalObjectStore(config.dataDir, baseUrl, config.ossMaxUploadBytes);
}
