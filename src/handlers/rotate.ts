import type { Context } from 'aws-lambda';

// Placeholder until the rotation library lands; the signature is final.
export interface RotationEvent {
  SecretId: string;
  ClientRequestToken: string;
  Step: string;
  RotationToken?: string;
}

export async function handler(event: RotationEvent, context: Context): Promise<void> {
  void event;
  void context;
}
