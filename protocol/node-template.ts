/**
 * What the nodes of an environment are made as (a node template), and the inline auto
 * environment a task may ask for with it (`computeEnvironment: { auto: { … } }`).
 */
import { z } from 'zod';
import { labelsSchema, shortText } from './limits.js';

/** What each node of an environment is created as; providers read what they understand. */
export const nodeTemplateSchema = z
  .strictObject({
    cpu: z.number().positive('must be positive').max(4096, 'must be at most 4096').optional(),
    memoryMiB: z
      .number()
      .int('must be a whole number')
      .min(64, 'must be at least 64')
      .max(16 * 1024 * 1024)
      .optional(),
    gpu: z.number().int('must be a whole number').min(0).max(64, 'must be at most 64').optional(),
    labels: labelsSchema.optional(),
    instanceType: shortText(128).optional(),
    image: shortText(512).optional(),
    /** Extra lines appended to the rendered user-data script (cloud providers). */
    userData: z
      .string()
      .max(16 * 1024, 'must be at most 16 KiB')
      .optional(),
  })
  .meta({ id: 'NodeTemplate' });

/** How long an auto environment may keep an idle node: up to a week. */
export const idleTimeoutSecondsSchema = z
  .number()
  .int('must be a whole number')
  .min(0)
  .max(7 * 24 * 3600, 'must be at most a week');

/** An auto environment made for a task: its node template, how many nodes, how long idle ones stay. */
export const autoEnvironmentSpecSchema = nodeTemplateSchema.extend({
  maxNodes: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  idleTimeoutSeconds: idleTimeoutSecondsSchema.optional(),
});

export type NodeTemplate = z.infer<typeof nodeTemplateSchema>;
export type AutoEnvironmentSpec = z.infer<typeof autoEnvironmentSpecSchema>;
