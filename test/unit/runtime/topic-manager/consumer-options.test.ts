// The subscription follows the configuration: topics or pattern, name, type, position, bounded prefetch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerOptionsFor } from '../../../../src/runtime/topic-manager/index.ts';
import { configFrom } from '../processor/harness.ts';

describe('consumerOptionsFor', () => {
  it('subscribes to the inputs with the derived subscription and a prefetch bounded by the pool', () => {
    const options = consumerOptionsFor(
      configFrom({
        PF_INPUTS: 'a,b',
        PF_CONCURRENCY: '3',
        PF_MAX_PENDING: '7',
        PF_NEGATIVE_ACK_DELAY_MS: '250',
      }),
    );
    assert.deepEqual(options.topics, ['persistent://public/default/a', 'persistent://public/default/b']);
    assert.equal(options.topicsPattern, undefined);
    assert.equal(options.subscription, 'public/default/f');
    assert.equal(options.subscriptionType, 'Shared');
    assert.equal(options.subscriptionInitialPosition, 'Latest');
    assert.equal(options.receiverQueueSize, 7);
    assert.equal(options.negativeAckRedeliveryDelayMs, 250);
    assert.equal(options.consumerName, 'public/default/f:0');
  });

  it('uses the pattern, Key_Shared for key order and Failover for effectively-once', () => {
    const pattern = consumerOptionsFor(
      configFrom({ PF_INPUTS: '', PF_TOPICS_PATTERN: 'in-.*', PF_RETAIN_KEY_ORDERING: 'true' }),
    );
    assert.equal(pattern.topicsPattern, 'persistent://public/default/in-.*');
    assert.equal(pattern.topics, undefined);
    assert.equal(pattern.subscriptionType, 'KeyShared');
    const eo = consumerOptionsFor(
      configFrom({ PF_PROCESSING_GUARANTEES: 'EFFECTIVELY_ONCE', PF_SUBSCRIPTION_POSITION: 'Earliest' }),
    );
    assert.equal(eo.subscriptionType, 'Failover');
    assert.equal(eo.subscriptionInitialPosition, 'Earliest');
  });
});
