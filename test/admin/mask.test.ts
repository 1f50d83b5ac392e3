// The masked view of an appeal: names, phones, e-mails and addresses hinted at, nothing else touched.
import { describe, expect, it } from 'vitest';
import { MASK, maskAppeal, maskEmail, maskName, maskPhone } from '../../src/admin/mask.js';
import { appealSchema } from '../../src/pos/schemas.js';
import { sampleAppeal } from './fakes.js';

describe('mask', () => {
  it.each([
    ['Иванова', 'И***'],
    ['  Пётр', 'П***'],
    ['Ёлкин-Палкин', 'Ё***'],
    ['', ''],
    ['   ', '   '],
  ])('name %j → %j', (value, masked) => expect(maskName(value)).toBe(masked));

  it.each([
    ['+7 912 345-67-12', '+7 *** ***-**-12'],
    ['8 (912) 345-67-89', '* (***) ***-**-89'],
    ['89123456789', '*********89'],
    ['+44 20 7946 0958', '+4* ** **** **58'],
    ['112', MASK],
    ['', ''],
  ])('phone %j → %j', (value, masked) => expect(maskPhone(value)).toBe(masked));

  it.each([
    ['ivan.petrov@mail.ru', 'i***@***.ru'],
    ['Анна@почта.рф', 'А***@***.рф'],
    ['x@localhost', 'x***@***'],
    ['not an address', MASK],
    ['@mail.ru', MASK],
  ])('e-mail %j → %j', (value, masked) => expect(maskEmail(value)).toBe(masked));

  it('masks the applicants and addresses of an appeal and keeps the rest', () => {
    const appeal = appealSchema.parse({
      ...sampleAppeal,
      address: 'г. Москва, ул. Ленина, д. 5',
      locationAddress: { fullAddress: 'г. Москва, ул. Ленина, д. 5', postalCode: '117342', house: 5 },
      applicant: { ...sampleAppeal.applicant, postAddress: '117342, г. Москва, кв. 8', sendWithRussiaPost: true, snils: '123-456-789 00' },
      coApplicants: [{ surname: 'Петров', name: null, phone: '+7 900 000-00-01' }],
    });
    expect(maskAppeal(appeal)).toEqual({
      ...appeal,
      address: MASK,
      locationAddress: { fullAddress: MASK, postalCode: MASK, house: 5 },
      applicant: {
        surname: 'И***',
        name: 'М***',
        patronymic: 'П***',
        email: 'm***@***.ru',
        phone: '+7 *** ***-**-89',
        postAddress: MASK,
        sendWithRussiaPost: true,
        snils: MASK,
      },
      coApplicants: [{ surname: 'П***', name: null, phone: '+7 *** ***-**-01' }],
    });
    // The appeal given is left as it was.
    expect(appeal.applicant?.surname).toBe('Иванова');
    expect(maskAppeal({ ...appeal, applicant: null, coApplicants: undefined, address: null })).toMatchObject({
      applicant: null,
      address: null,
      description: sampleAppeal.description,
    });
  });
});
