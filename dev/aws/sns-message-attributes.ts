import type { PublishedMessage } from './emulator-types.js';
import { AwsServiceError } from './service-error.js';

type MessageAttributes = PublishedMessage['messageAttributes'];

const DATA_TYPE_PATTERN = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;

/**
 * Parses awsQuery's flattened map, as the SDK's QueryShapeSerializer writes it:
 * `MessageAttributes.entry.N.Name`, `.Value.DataType`, `.Value.StringValue` and
 * `.Value.BinaryValue` (base64), with N counting up from 1.
 */
export function parseMessageAttributes(params: URLSearchParams): MessageAttributes {
  const attributes: MessageAttributes = {};
  for (let index = 1; ; index++) {
    const prefix = `MessageAttributes.entry.${index}`;
    const name = params.get(`${prefix}.Name`);
    if (name === null) {
      break;
    }

    const dataType = params.get(`${prefix}.Value.DataType`);
    const stringValue = params.get(`${prefix}.Value.StringValue`) ?? undefined;
    const binaryValue = params.get(`${prefix}.Value.BinaryValue`) ?? undefined;
    validateAttribute(name, dataType, stringValue, binaryValue);

    attributes[name] = { dataType: dataType as string };
    if (stringValue !== undefined) {
      attributes[name].stringValue = stringValue;
    }
    if (binaryValue !== undefined) {
      attributes[name].binaryValue = binaryValue;
    }
  }

  return attributes;
}

function validateAttribute(name: string, dataType: string | null, stringValue: string | undefined, binaryValue: string | undefined): void {
  if (name === '') {
    throw parameterValueInvalid('A message attribute name must not be empty.');
  }
  if (dataType === null || !DATA_TYPE_PATTERN.test(dataType)) {
    throw parameterValueInvalid(
      `The message attribute '${name}' has an invalid DataType '${dataType ?? ''}': use String, Number or Binary, optionally with a '.label' suffix.`,
    );
  }

  const needsBinary = dataType.startsWith('Binary');
  const value = needsBinary ? binaryValue : stringValue;
  if (value === undefined || value === '') {
    throw parameterValueInvalid(
      `The message attribute '${name}' must contain a non-empty ${needsBinary ? 'BinaryValue' : 'StringValue'} for DataType '${dataType}'.`,
    );
  }
  if (dataType.startsWith('Number') && !Number.isFinite(Number(value))) {
    throw parameterValueInvalid(`The message attribute '${name}' has DataType '${dataType}' but its StringValue is not a number.`);
  }
}

function parameterValueInvalid(message: string): AwsServiceError {
  return new AwsServiceError('ParameterValueInvalid', message);
}
