import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The routes of the HTTP API (docs/api/openapi.json); the ingest function serves all of them. */
export const ROUTES: ReadonlyArray<{ method: apigwv2.HttpMethod; path: string }> = [
  { method: apigwv2.HttpMethod.GET, path: '/v1/caller' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/notifications' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/notifications/batch' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/notifications' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/notifications/{id}' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/notifications/{id}/attempts' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/notifications/{id}/retry' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/notifications/{id}/cancel' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/destinations' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/destinations/{destination}' },
  { method: apigwv2.HttpMethod.PATCH, path: '/v1/destinations/{destination}' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/destinations/{destination}/pause' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/destinations/{destination}/resume' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/destinations/{destination}/signing-secret' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/destinations/{destination}/signing-secret' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/stats' },
  { method: apigwv2.HttpMethod.POST, path: '/v1/recoveries' },
  { method: apigwv2.HttpMethod.GET, path: '/v1/recoveries/{id}' },
  { method: apigwv2.HttpMethod.GET, path: '/healthz' },
  { method: apigwv2.HttpMethod.GET, path: '/openapi.json' },
];

export interface HeraldApiProps {
  readonly handler: lambda.IFunction;
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * API Gateway HTTP API in front of the ingest function. Every route requires IAM authorization:
 * internal callers sign requests with SigV4 and need `execute-api:Invoke` on the route.
 */
export class HeraldApi extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;

  constructor(scope: Construct, id: string, props: HeraldApiProps) {
    super(scope, id);

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Herald: durable HTTP notification delivery',
      defaultAuthorizer: new HttpIamAuthorizer(),
      // Our own $default stage below, because the built-in one takes no throttling or access logs.
      createDefaultStage: false,
    });

    const integration = new HttpLambdaIntegration('Ingest', props.handler, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    for (const route of ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method], integration });
    }

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
  }

  /** The base URL callers use, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com/`. */
  get url(): string {
    return this.stage.url;
  }
}
