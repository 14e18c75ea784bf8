// The simulator's self-signed certificate (EC P-256), valid for localhost, 127.0.0.1 and the PBX's FQDN.
import { generate } from 'selfsigned';

export async function selfSignedCertificate(fqdn: string): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: fqdn }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 86400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: fqdn },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
