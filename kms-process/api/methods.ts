// The whole method table: every method's params and result schema, and the types derived from them.
import type { z } from 'zod';
import { auditMethods } from './auditMethods.js';
import { backupMethods } from './backupMethods.js';
import { doctorMethods } from './doctorMethods.js';
import { batchMethods } from './batchMethods.js';
import { cryptoMethods } from './cryptoMethods.js';
import { ethereumMethods } from './ethereumMethods.js';
import { keysMethods } from './keysMethods.js';
import { kmsMethods } from './kmsMethods.js';
import { pkcs11Methods } from './pkcs11Methods.js';
import { tokensMethods } from './tokensMethods.js';
import { remotesMethods } from './remotesMethods.js';
import { webkmsMethods } from './webkmsMethods.js';
import { walletMethods } from './walletMethods.js';

export const METHODS = {
  ...kmsMethods,
  ...backupMethods,
  ...doctorMethods,
  ...keysMethods,
  ...cryptoMethods,
  ...ethereumMethods,
  ...batchMethods,
  ...auditMethods,
  ...tokensMethods,
  ...pkcs11Methods,
  ...remotesMethods,
  ...webkmsMethods,
  ...walletMethods,
} as const;

export type MethodName = keyof typeof METHODS;
export type Params<M extends MethodName> = z.input<(typeof METHODS)[M]['params']>;
export type ValidParams<M extends MethodName> = z.output<(typeof METHODS)[M]['params']>;
export type Result<M extends MethodName> = z.output<(typeof METHODS)[M]['result']>;

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}
