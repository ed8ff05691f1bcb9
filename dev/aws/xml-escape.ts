const XML_ENTITIES: Record<string, string> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
};

/** Escapes text for an XML element or attribute, with the five predefined entities every XML parser decodes. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => XML_ENTITIES[character] ?? character);
}
