// Field shapes both record schemas share.
import { z } from 'zod';

export const isoDateField = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date');
export const optionalText = (max?: number) => (max ? z.string().max(max) : z.string()).optional();
