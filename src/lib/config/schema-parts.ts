import { z } from 'zod';
import { parseCertificates } from '../certificates/pem.js';
import { CertificateParseError } from '../errors.js';

/**
 * A PEM bundle of certificates, such as a CA bundle or trust anchors. Every block is parsed here,
 * so a placeholder or a truncated PEM fails validation before the CA is asked for anything.
 */
export const pemCertificates = z
  .string()
  .min(1)
  .max(32_768)
  .superRefine((text, context) => {
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      context.addIssue({ code: 'custom', message: 'must contain at least one PEM certificate (-----BEGIN CERTIFICATE-----)' });

      return;
    }
    try {
      parseCertificates(text, 'the value');
    } catch (error) {
      if (!(error instanceof CertificateParseError)) throw error;
      context.addIssue({ code: 'custom', message: `is not a readable certificate bundle: ${error.message}` });
    }
  });
