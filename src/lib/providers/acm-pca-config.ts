import { SigningAlgorithm } from '@aws-sdk/client-acm-pca';
import { z } from 'zod';

// arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<uuid>, as CreateCertificateAuthority returns it.
const CERTIFICATE_AUTHORITY_ARN =
  /^arn:(aws[a-z-]*):acm-pca:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):certificate-authority\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// AWS Private CA templates carry no region or account: arn:aws:acm-pca:::template/<name>/V<n>.
const TEMPLATE_ARN = /^arn:aws[a-z-]*:acm-pca:::template\/[A-Za-z0-9_]+\/V\d+$/;
const SIGNING_ALGORITHMS = Object.values(SigningAlgorithm) as [SigningAlgorithm, ...SigningAlgorithm[]];

/** `rotation.provider` for AWS Private CA (ACM PCA), reached through the AWS SDK with the function's role. */
export const acmPcaProviderSchema = z.strictObject({
  type: z.literal('acm-pca'),
  certificateAuthorityArn: z
    .string()
    .regex(CERTIFICATE_AUTHORITY_ARN, 'must be a private CA ARN such as "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012"'),
  validityDays: z.number().int('must be a whole number of days').min(1).max(3650),
  signingAlgorithm: z.enum(SIGNING_ALGORITHMS, { message: `must be one of ${SIGNING_ALGORITHMS.join(', ')}` }).optional(),
  templateArn: z
    .string()
    .regex(TEMPLATE_ARN, 'must be a template ARN such as "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1"')
    .optional(),
});

export type AcmPcaProviderConfig = z.output<typeof acmPcaProviderSchema>;

/** Parses the partition, region and account out of a CA ARN that passed the schema. */
export function parseCertificateAuthorityArn(arn: string): { partition: string; region: string; accountId: string } {
  const match = CERTIFICATE_AUTHORITY_ARN.exec(arn);
  if (match === null) throw new RangeError(`${arn} is not a private CA ARN`);

  return { partition: match[1] as string, region: match[2] as string, accountId: match[3] as string };
}
