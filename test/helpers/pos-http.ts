// Raw HTTP to a ПОС emulator, as the real platform's clients speak it: the demo organisation's
// token, and axios instances that never throw on a status (the tests read it).
import axios, { type AxiosInstance } from 'axios';
import { expect } from 'vitest';

/** The clock both emulator test files generate appeals at. */
export const EMULATOR_NOW = new Date('2025-03-01T09:00:00Z');
export const PLATFORM = 'Basic ' + Buffer.from('pos-bridge:platform-secret').toString('base64');
export const TOKEN_FORM = 'grant_type=password&username=demo-org&password=demo-secret&scope=any';

export interface PosHttp {
  client(timeout?: number): AxiosInstance;
  token(): Promise<string>;
  authed(): Promise<AxiosInstance>;
}

/** `url`: the emulator's address, read when a client is made (the emulator starts in beforeAll). */
export function posHttp(url: () => string): PosHttp {
  const client = (timeout = 5000) => axios.create({ baseURL: url(), validateStatus: () => true, proxy: false, timeout });
  const token = async () => {
    const response = await client().post('/user-service/oauth/token', TOKEN_FORM, {
      headers: { Authorization: PLATFORM, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    return response.data.access_token as string;
  };
  const authed = async () => {
    const instance = client();
    instance.defaults.headers.common.Authorization = `Bearer ${await token()}`;
    return instance;
  };
  return { client, token, authed };
}
