// Bodies of the clerk actions both EDMS emulators' control APIs take (assign an executor, postpone,
// forward, answer with a file, reject): one schema each, whatever each emulator calls the route.
import { z } from 'zod';

export const officialBody = z
  .object({
    surname: z.string().min(1),
    name: z.string().optional(),
    patronymic: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
  })
  .strict();

export const clerkBodies = {
  assign: z.object({ executor: officialBody, manager: officialBody.optional() }).strict(),
  postpone: z.object({ until: z.string().min(1), reason: z.string() }).strict(),
  forward: z.object({ to: z.string().min(1) }).strict(),
  answer: z
    .object({
      text: z.string(),
      resolution: z.string().optional(),
      file: z
        .object({ name: z.string().min(1), contentType: z.string().default('application/octet-stream'), base64: z.string() })
        .strict()
        .optional(),
    })
    .strict(),
  reject: z.object({ reason: z.string().min(1) }).strict(),
};
