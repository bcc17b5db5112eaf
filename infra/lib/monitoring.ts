import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** EMF metrics the handlers emit through Powertools Metrics. */
export const METRICS_NAMESPACE = 'Herald';
export const METRICS_DIMENSIONS = { service: 'herald' } as const;

/**
 * A message older than this in the delivery queue means the workers fall behind. Retries are
 * re-sent with a delay of at most 15 minutes (the SQS limit), so a healthy queue never holds
 * anything this old.
 */
export const QUEUE_AGE_ALARM_SECONDS = 30 * 60;

/**
 * An ordered message older than this means a key's line has been held for hours. Its messages expire
 * after ORDERED_QUEUE.retentionDays, so an operator has days to act.
 */
export const ORDERED_AGE_ALARM_SECONDS = 6 * 3600;

export interface HeraldMonitoringProps {
  readonly httpApi: apigwv2.HttpApi;
  readonly ingest: lambda.IFunction;
  readonly worker: lambda.IFunction;
  readonly sweeper: lambda.IFunction;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly orderedQueue: sqs.IQueue;
  readonly api5xxThreshold: number;
  readonly alarmEmail?: string | undefined;
}

const heraldMetric = (metricName: string, statistic: string, label: string, period = Duration.minutes(1)) =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { ...METRICS_DIMENSIONS },
    statistic,
    label,
    period,
  });

/** Alarms to an SNS topic, and one dashboard with the figures an operator looks at first. */
export class HeraldMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: HeraldMonitoringProps) {
    super(scope, id);

    // Alarm notifications carry alarm names and metric values, no notification data, so the topic
    // is not KMS-encrypted: CloudWatch cannot publish with the AWS-managed SNS key, and a customer
    // key would add a cost and a way for alarms to fail silently.
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Herald alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const sumOverFiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const atLeastOne = { threshold: 1, evaluationPeriods: 1 };
    const alarm = (
      id: string,
      description: string,
      options: Pick<cloudwatch.AlarmProps, 'threshold' | 'evaluationPeriods'>,
      metric: cloudwatch.IMetric,
    ) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      a.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    // Visible and hidden: the sweeper sends dead-lettered messages back within a minute, and hides
    // the ones it leaves for an operator (redrive-dead-letters.ts), which must keep the alarm firing.
    const messagesIn = (queue: sqs.IQueue) =>
      new cloudwatch.MathExpression({
        expression: 'visible + hidden',
        usingMetrics: {
          visible: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          hidden: queue.metricApproximateNumberOfMessagesNotVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
        },
        period: Duration.minutes(1),
        label: 'messages in the DLQ',
      });
    alarm(
      'DeadLetterQueueNotEmpty',
      'Messages reached the Herald DLQ: the worker failed on them five receives in a row. The sweeper sends them back; one left there needs an operator. See docs/operations.md#redrive-the-dlq.',
      atLeastOne,
      messagesIn(props.deadLetterQueue),
    );
    // The ordered queue has no DLQ (a held head must keep its place), so a head that cannot go on
    // shows as age instead: held by its destination, or one the worker keeps failing on.
    alarm(
      'OrderedQueueHeadHeld',
      `The oldest message in the Herald ordered queue is over ${ORDERED_AGE_ALARM_SECONDS / 3600} hours old: an ordering key's line has waited that long, behind a paused, open or held destination or a message the worker keeps failing on. See docs/operations.md#orderedqueueheadheld.`,
      { threshold: ORDERED_AGE_ALARM_SECONDS, evaluationPeriods: 3 },
      props.orderedQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
    );
    alarm(
      'DeliveryQueueBacklog',
      `The oldest message in the Herald delivery queue is over ${QUEUE_AGE_ALARM_SECONDS / 60} minutes old: workers are not keeping up or not running.`,
      { threshold: QUEUE_AGE_ALARM_SECONDS, evaluationPeriods: 3 },
      props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
    );
    alarm(
      'WorkerErrors',
      'The Herald worker failed whole invocations (crash or timeout), not single deliveries.',
      atLeastOne,
      props.worker.metricErrors(sumOverFiveMinutes),
    );
    alarm(
      'WorkerThrottles',
      'Lambda throttled the Herald worker: the account or function concurrency is exhausted.',
      atLeastOne,
      props.worker.metricThrottles(sumOverFiveMinutes),
    );
    alarm(
      'Api5xx',
      `The Herald API answered ${props.api5xxThreshold} or more 5xx responses in five minutes: callers' notifications are being refused.`,
      { threshold: props.api5xxThreshold, evaluationPeriods: 1 },
      props.httpApi.metricServerError(sumOverFiveMinutes),
    );
    alarm(
      'SweeperErrors',
      'The Herald sweeper failed: notifications whose enqueue failed at ingest stay PENDING until it runs again.',
      atLeastOne,
      props.sweeper.metricErrors(sumOverFiveMinutes),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    const functions = [
      ['ingest', props.ingest],
      ['worker', props.worker],
      ['sweeper', props.sweeper],
    ] as const;
    const width = 8;
    const height = 6;
    const graph = (title: string, left: cloudwatch.IMetric[], right?: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, width, height, left, ...(right ? { right } : {}) });
    const percentiles = (metricName: string) => ['p50', 'p90', 'p99'].map((p) => heraldMetric(metricName, p, p));
    const flow = (period?: Duration) => [
      heraldMetric('NotificationsAccepted', 'Sum', 'accepted', period),
      heraldMetric('NotificationsDelivered', 'Sum', 'delivered', period),
      heraldMetric('NotificationsFailed', 'Sum', 'failed', period),
      heraldMetric('DeliveryRetriesScheduled', 'Sum', 'retries scheduled', period),
    ];
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          "# Herald\nNotification flow from the handlers' EMF metrics (namespace `Herald`, `service=herald`). Alarms and what to do: `docs/operations.md`.",
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Notifications per minute', flow()),
      graph('Delivery latency: accepted to SUCCESS (ms)', percentiles('DeliveryLatency')),
      graph('Vendor response time per attempt (ms)', percentiles('AttemptResponseTime')),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Last 24 hours',
        width: 24,
        height: 3,
        setPeriodToTimeRange: true,
        metrics: flow(Duration.days(1)),
      }),
    );
    this.dashboard.addWidgets(
      graph(
        'Delivery queue and DLQ',
        [
          props.queue.metricApproximateNumberOfMessagesVisible({ label: 'waiting', statistic: 'Maximum' }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({
            label: 'in flight or delayed',
            statistic: 'Maximum',
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'DLQ', statistic: 'Maximum' }),
        ],
        [props.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest message (s)', statistic: 'Maximum' })],
      ),
      graph(
        'API requests',
        [
          props.httpApi.metricCount({ label: 'requests', statistic: 'Sum' }),
          props.httpApi.metricClientError({ label: '4xx', statistic: 'Sum' }),
          props.httpApi.metricServerError({ label: '5xx', statistic: 'Sum' }),
        ],
        [props.httpApi.metricLatency({ label: 'latency p99 (ms)', statistic: 'p99' })],
      ),
      graph(
        'Lambda errors and throttles',
        functions.flatMap(([name, fn]) => [
          fn.metricErrors({ label: `${name} errors`, statistic: 'Sum' }),
          fn.metricThrottles({ label: `${name} throttles`, statistic: 'Sum' }),
        ]),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda duration p99 (ms)',
        functions.map(([name, fn]) => fn.metricDuration({ label: name, statistic: 'p99' })),
      ),
      graph('Worker concurrent executions', [
        props.worker.metric('ConcurrentExecutions', { label: 'worker', statistic: 'Maximum' }),
      ]),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width, height, alarms: this.alarms }),
    );
  }
}
