import { describe, expect, it } from 'vitest';
import { destinationRecordFromJson, newDestinationRecord } from '../../src/domain/destination.js';

describe('destination record as stored', () => {
  it('reads a record written before breaker generations at generation 0, keeping all it had', () => {
    const { breakerGeneration: _absent, ...older } = {
      ...newDestinationRecord('https://v.example'),
      breaker: 'OPEN' as const,
      openings: 2,
      version: 9,
    };
    expect(destinationRecordFromJson(JSON.stringify(older))).toEqual({ ...older, breakerGeneration: 0 });
  });

  it('reads a record back as it was written', () => {
    const record = { ...newDestinationRecord('https://v.example'), breakerGeneration: 4, version: 3 };
    expect(destinationRecordFromJson(JSON.stringify(record))).toEqual(record);
  });
});
