/**
 * The local Secrets Manager: the webhook secrets as named secrets, served over the
 * Secrets Manager JSON protocol (GetSecretValue), so functions read them by ARN
 * exactly as on AWS, and each read is checked against the caller's policy.
 */
import { createServer } from 'node:http';

export interface LocalSecrets {
  endpoint: string;
  /** Secret name -> its ARN. */
  arns: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSecretsManager(options: {
  region: string;
  secrets: Record<string, string>;
  /** An AccessDeniedException body when the caller may not read the secret, else null. */
  authorize(authorization: string | undefined, name: string, arn: string): object | null;
}): Promise<LocalSecrets> {
  const arns = Object.fromEntries(Object.keys(options.secrets).map((name) => [name, `arn:aws:secretsmanager:${options.region}:000000000000:secret:${name}-local`]));
  const answer = (res: import('node:http').ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      let id = '';
      try {
        id = String((JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: unknown }).SecretId ?? '');
      } catch {
        // answered as not found below
      }
      const name = Object.keys(arns).find((n) => n === id || arns[n] === id);
      if (action !== 'GetSecretValue') return answer(res, 400, { __type: 'UnknownOperationException', message: `Unsupported operation ${action}` });
      if (!name) return answer(res, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      const denied = options.authorize(req.headers.authorization, name, arns[name]!);
      if (denied) return answer(res, 400, denied);
      answer(res, 200, { ARN: arns[name], Name: name, SecretString: options.secrets[name], VersionId: 'local', VersionStages: ['AWSCURRENT'], CreatedDate: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    arns,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
