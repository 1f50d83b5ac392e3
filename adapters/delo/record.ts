// The card the mapping produces for «Дело» («Письма граждан»), in the vocabulary of the СЭВ
// DocInfo package (delo-sev.md). The adapter adds the ПОС id, MessageID and files itself.
import { z } from 'zod';
import { isoDateField, optionalText } from '../record-fields.js';

export const deloAddressSchema = z
  .object({
    ZipCode: optionalText(20),
    Region: optionalText(250),
    Settlement: optionalText(250),
    Text: optionalText(1000),
  })
  .strict();

export const deloPrivatePersonSchema = z
  .object({
    Surname: z.string().min(1).max(250),
    Name: optionalText(250),
    Patronymic: optionalText(250),
    Address: deloAddressSchema.optional(),
    Email: optionalText(250),
    Phone: optionalText(100),
  })
  .strict();

export const deloRecordSchema = z
  .object({
    /** ANNOTAT: the appeal text, complete (the package carries it whole). */
    Annotation: z.string().min(1),
    /** CONSISTS: what the package consists of, e.g. «Обращение, 2 файла». */
    Consists: optionalText(255),
    DocumentDate: isoDateField,
    /** TERM_EXEC: the internal control date. */
    Deadline: isoDateField.optional(),
    /** RUBRIC_LIST codes from RUBRIC_CL. */
    Rubrics: z.array(z.object({ Code: z.string().min(1), Name: optionalText(250) }).strict()).min(1),
    /** The applicant; absent for anonymous appeals. */
    Author: deloPrivatePersonSchema.optional(),
    CoAuthors: z.array(deloPrivatePersonSchema).optional(),
    DeliveryType: optionalText(250),
    Note: optionalText(2000),
    Addressee: optionalText(250),
    /** Free card fields (AdditionalField); the ПОС id is added by the adapter. */
    AdditionalFields: z.array(z.object({ Name: z.string().min(1), Type: optionalText(50), Value: z.string() }).strict()).optional(),
  })
  .strict();

export type DeloRecord = z.infer<typeof deloRecordSchema>;
