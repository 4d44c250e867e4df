import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createEventLoopLag } from './event-loop-lag.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the event loop busy, as a long synchronous batch would. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

function quantile(text: string, q: string): number {
  const match = new RegExp(`^cortex_event_loop_lag_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm').exec(text);
  if (match === null) throw new Error(`no quantile ${q} in:\n${text}`);
  return Number(match[1]);
}

describe('event-loop lag metric', () => {
  it('reports a blocked event loop as a maximum at least as long as the block, as a summary on the registry', async () => {
    const registry = new Registry();
    const lag = createEventLoopLag({ registry, windowMs: 60_000 });
    lag.start();
    try {
      await sleep(30);
      block(120);
      await sleep(30);
      const text = await registry.metrics();
      expect(text).to.include('# TYPE cortex_event_loop_lag_seconds summary');
      expect(quantile(text, '1')).to.be.at.least(0.1);
      expect(quantile(text, '0.5')).to.be.below(quantile(text, '1'));
      expect(text).to.match(/^cortex_event_loop_lag_seconds_count [1-9]\d*$/m);
      expect(lag.snapshot().max).to.be.at.least(0.1);
    } finally {
      await lag.stop();
    }
  });

  it('reads an idle event loop as close to no lag, not as the sampling interval', async () => {
    const lag = createEventLoopLag({ registry: new Registry(), windowMs: 60_000, resolutionMs: 10 });
    lag.start();
    try {
      await sleep(300);
      // Idle, the monitor's timer runs every 10 ms: that interval is not lag.
      expect(lag.snapshot().p50).to.be.below(0.005);
    } finally {
      await lag.stop();
    }
  });

  it('forgets a block once the window has moved past it', async () => {
    const lag = createEventLoopLag({ registry: new Registry(), windowMs: 100, steps: 2 });
    lag.start();
    try {
      await sleep(20);
      block(300);
      await sleep(20);
      expect(lag.snapshot().max).to.be.at.least(0.25);
      await sleep(250);
      // Only the block is forgotten: the loop may still be late by a little on a busy machine.
      expect(lag.snapshot().max).to.be.below(0.25);
    } finally {
      await lag.stop();
    }
  });

  it('keeps the few samples of a step in which the loop was blocked most of the time', async () => {
    const lag = createEventLoopLag({ registry: new Registry(), windowMs: 60_000 });
    lag.start();
    try {
      await sleep(25);
      block(400);
      await sleep(15);
      const { p50, max } = lag.snapshot();
      expect(max).to.be.at.least(0.35);
      expect(p50).to.be.above(0);
    } finally {
      await lag.stop();
    }
  });
});
