import { z } from 'zod';

/** Client-chosen identifiers: short, URL-safe, no surprises in logs or paths. */
export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'must start with a letter or digit and use only letters, digits and . _ : @ -');
export const Timestamp = z.iso.datetime({ offset: true }).describe('ISO-8601 time');
export const Name = z.string().trim().min(1).max(200);
export const Reason = z.string().trim().min(1).max(1000);

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(512).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const ErrorCode = z.enum([
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'illegal_transition',
  'conflict',
  'payload_too_large',
  'unknown_reference',
  'rate_limited',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const IdParam = z.object({ id: Id });
