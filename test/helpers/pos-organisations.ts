// Two organisation cabinets for the multi-organisation ПОС emulator tests, and an HTTP client
// holding a bearer token of one of them.
import axios, { type AxiosInstance } from 'axios';
import type { EmulatorOrganisation } from '../../src/pos/emulator/index.js';

export const CITY: EmulatorOrganisation = { clientId: 'city', secret: 'secret1', opaId: 501, opaName: 'Администрация города' };
export const SCHOOL: EmulatorOrganisation = { clientId: 'school-7', secret: 'secret2', opaName: 'Школа № 7' };

const PLATFORM = 'Basic ' + Buffer.from('pos-bridge:platform-secret').toString('base64');

/** A client with a fresh token of `organisation`; throws with the status when the token call fails. */
export async function organisationClient(
  baseURL: string,
  organisation: Pick<EmulatorOrganisation, 'clientId' | 'secret'>,
): Promise<AxiosInstance> {
  const api = axios.create({ baseURL, validateStatus: () => true, proxy: false, timeout: 5000 });
  const form = new URLSearchParams({
    grant_type: 'password',
    username: organisation.clientId,
    password: organisation.secret,
    scope: 'any',
  });
  const response = await api.post('/user-service/oauth/token', form.toString(), {
    headers: { Authorization: PLATFORM, 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  if (response.status !== 200) throw new Error(`token for ${organisation.clientId}: HTTP ${response.status}`);
  api.defaults.headers.common.Authorization = `Bearer ${String(response.data.access_token)}`;
  return api;
}

/** Uploads a small PDF as the client's organisation; returns the storage answer. */
export async function uploadFile(api: AxiosInstance, name: string): Promise<{ id: string; url: string }> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('%PDF-1.4 ответ')], { type: 'application/pdf' }), name);
  const response = await api.post('/file-storage-service/filestorage', form);
  if (response.status !== 200) throw new Error(`upload ${name}: HTTP ${response.status}`);
  return response.data as { id: string; url: string };
}
