import { z } from 'zod';

const jsonSchema = z.record(z.string(), z.unknown()).refine((s) => s['type'] === 'object', {
  message: 'must be a JSON Schema with type: object',
});

/** The frontmatter of a `skills/<name>/SKILL.md`. */
export const skillFrontmatterSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'a kebab-case name, the same as the skill folder'),
  description: z.string().min(10, 'one or two sentences: what the skill does and when to use it'),
  version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'a semantic version such as 1.0.0'),
  servers: z.array(z.strictObject({ server: z.string().min(1), tool: z.string().min(1) })).default([]),
  inputs: jsonSchema,
  outputs: jsonSchema,
  limits: z
    .strictObject({
      memoryMb: z.number().int().positive().optional(),
      cpuMs: z.number().int().positive().optional(),
      wallMs: z.number().int().positive().optional(),
      maxToolCalls: z.number().int().positive().optional(),
      maxToolBytes: z.number().int().positive().optional(),
      maxOutputBytes: z.number().int().positive().optional(),
    })
    .default({}),
  tags: z.array(z.string().min(1)).default([]),
  examples: z.array(z.strictObject({ title: z.string().min(1), input: z.unknown() })).default([]),
});

/** Validated SKILL.md frontmatter. */
export type SkillFrontmatter = z.infer<typeof skillFrontmatterSchema>;
