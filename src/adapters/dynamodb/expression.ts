import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';

/** Collects placeholder names and values for one request, so no attribute name can hit a reserved word. */
export class Expression {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, NativeAttributeValue> = {};
  private count = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: NativeAttributeValue): string {
    const placeholder = `:v${this.count++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `attribute = value`: an assignment in a SET clause, a comparison in a condition. */
  equals(attribute: string, value: NativeAttributeValue): string {
    return `${this.name(attribute)} = ${this.value(value)}`;
  }

  /** Sets `attribute` only where the item has none yet. */
  initialize(attribute: string, value: NativeAttributeValue): string {
    const name = this.name(attribute);
    return `${name} = if_not_exists(${name}, ${this.value(value)})`;
  }

  attributes(): {
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
  } {
    return {
      ExpressionAttributeNames: this.names,
      ...(this.count > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

export function updateExpression(sets: string[], removes: string[]): string {
  return [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}
