import { describe, expect, it } from 'vitest';

import { parseMessageAttributes } from '../../../dev/aws/sns-message-attributes.js';

describe('parseMessageAttributes', () => {
  it('parses entries in query form', () => {
    // Prepare
    const params = new URLSearchParams(
      'Action=Publish&MessageAttributes.entry.1.Name=kind&MessageAttributes.entry.1.Value.DataType=String' +
        '&MessageAttributes.entry.1.Value.StringValue=rotated&MessageAttributes.entry.2.Name=blob' +
        '&MessageAttributes.entry.2.Value.DataType=Binary&MessageAttributes.entry.2.Value.BinaryValue=AQI%3D',
    );

    // Act
    const attributes = parseMessageAttributes(params);

    // Assess
    expect(attributes).toEqual({
      kind: { dataType: 'String', stringValue: 'rotated' },
      blob: { dataType: 'Binary', binaryValue: 'AQI=' },
    });
  });

  it('returns empty map without entries', () => {
    // Act
    const attributes = parseMessageAttributes(new URLSearchParams('Action=Publish&Message=hi'));

    // Assess
    expect(attributes).toEqual({});
  });

  it.each([
    { case: 'missing DataType', query: 'MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.StringValue=x' },
    { case: 'unknown DataType', query: 'MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Text&MessageAttributes.entry.1.Value.StringValue=x' },
    { case: 'Number not numeric', query: 'MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Number&MessageAttributes.entry.1.Value.StringValue=ten' },
    { case: 'Binary without BinaryValue', query: 'MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Binary&MessageAttributes.entry.1.Value.StringValue=x' },
  ])('rejects $case', ({ query }) => {
    // Act
    const parse = () => parseMessageAttributes(new URLSearchParams(query));

    // Assess
    expect(parse).toThrow(expect.objectContaining({ code: 'ParameterValueInvalid' }));
  });
});
