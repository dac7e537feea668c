/**
 * The failure converter of every BlogTube worker and client, loaded by path
 * (`failureConverterPath`: the workflow sandbox needs it too). Failure messages
 * and stack traces travel in an encoded payload instead of in the clear, so the
 * payload codec encrypts them.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
