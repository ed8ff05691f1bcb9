/** Secrets Manager's staging labels used by rotation. */
export const VersionStage = {
  current: 'AWSCURRENT',
  pending: 'AWSPENDING',
  previous: 'AWSPREVIOUS',
} as const;
export type VersionStage = (typeof VersionStage)[keyof typeof VersionStage];

/** The four steps Secrets Manager invokes, in execution order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

export function isRotationStep(value: string): value is RotationStep {
  return (ROTATION_STEPS as readonly string[]).includes(value);
}
