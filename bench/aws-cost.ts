export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  perMillion: number;
}

export interface CostScenario {
  label: string;
  bodyBytes: number;
  attempts: number;
  notifications: number;
  perNotification: {
    writeUnits: number;
    readUnits: number;
    sqsBilledRequests: number;
    dynamoDbCalls: Record<string, number>;
    sqsCalls: Record<string, number>;
  };
  lines: CostLine[];
  totalPerMillion: number;
}

export interface CostResult {
  assumptions: string[];
  scenarios: CostScenario[];
  sweeperFixed?: { description: string; dollarsPerMonth: number };
}

export async function measureAwsCost(_options: { notifications: number }): Promise<CostResult | { skipped: string }> {
  return { skipped: 'not written yet' };
}
