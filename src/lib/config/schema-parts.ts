import { z } from 'zod';

/** A PEM bundle with at least one certificate, such as a CA bundle or trust anchors. */
export const pemCertificates = z
  .string()
  .min(1)
  .max(32_768)
  .refine((text) => text.includes('-----BEGIN CERTIFICATE-----'), {
    message: 'must contain at least one PEM certificate (-----BEGIN CERTIFICATE-----)',
  });
