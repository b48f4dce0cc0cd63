/** The Secrets Manager client (see aws-clients.ts). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const secrets = new SecretsManagerClient({});
