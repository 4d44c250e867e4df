// Conversations for the summary tests (not part of the public API): the two examples of issue 13,
// built to read like the real thing. Deterministic: the same call gives the same turns.
import type { Turn } from './types.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The deploy facts the 40-turn history must not lose, as words a summary quoting them contains. */
export const DEPLOY_FACTS = ['migration 42', 'timed out', 'rolled back', 'index on orders.customer_id', 'retry', 'succeeded'];

/**
 * A 40-turn incident chat about a failed deploy, the facts spread through chatter about lunch,
 * the weather and a birthday; the last 8 turns are about something else (the next sprint).
 */
export function deployHistory(start = Date.UTC(2025, 4, 12, 9, 0)): Turn[] {
  const lines: Array<[string, string]> = [
    ['alice', 'Morning! Did everyone see the deploy channel?'],
    ['bob', 'Morning. Not yet, still on my first coffee.'],
    ['carol', 'Some extra chatter about lunch plans: tacos or ramen today?'],
    ['alice', 'The 9:00 deploy of release 3.14 failed in production.'],
    ['bob', 'Ouch. What broke?'],
    ['alice', 'Database migration 42 timed out after 30 minutes on the orders table.'],
    ['carol', 'Tacos get my vote.'],
    ['bob', 'Was the site down?'],
    ['alice', 'Checkout returned errors for about twelve minutes while the migration held its lock.'],
    ['carol', 'That is awesome news about the tacos though!'],
    ['bob', 'Thanks!'],
    ['alice', 'We rolled back to release 3.13 at 9:41 and errors stopped.'],
    ['carol', 'Awesome!'],
    ['bob', 'Why did migration 42 take so long?'],
    ['alice', 'It rewrote every row of orders because there was no index on orders.customer_id.'],
    ['carol', 'Anyone else think it is going to rain this afternoon?'],
    ['bob', 'Looks like it, grab an umbrella.'],
    ['alice', 'Dave added an index on orders.customer_id in a separate migration, 41b.'],
    ['carol', 'Nice.'],
    ['bob', 'Did we test 41b on staging?'],
    ['alice', 'Yes, on a copy of production data it finished in 40 seconds.'],
    ['carol', 'Remember it is Erin’s birthday on Friday, we are getting a cake.'],
    ['bob', 'Chocolate please!'],
    ['alice', 'We ran the retry of the deploy at 14:05.'],
    ['bob', 'And?'],
    ['alice', 'The retry succeeded: migration 42 completed in 95 seconds and release 3.14 is live.'],
    ['carol', 'Great!'],
    ['bob', 'That’s great!'],
    ['alice', 'Postmortem is on Thursday; action item: every migration gets a dry run on staging data first.'],
    ['carol', 'Thanks, Alice!'],
    ['alice', 'Moving on: sprint planning for next week.'],
    ['bob', 'I would like to take the search latency ticket.'],
    ['carol', 'I can pair on the onboarding emails.'],
    ['alice', 'Let us keep the sprint to eight tickets.'],
    ['bob', 'Fine by me.'],
    ['carol', 'Should we move the retro to Tuesday?'],
    ['alice', 'Tuesday works.'],
    ['bob', 'Tacos were excellent by the way.'],
    ['carol', 'Told you!'],
    ['alice', 'See you all at standup.'],
  ];
  return lines.map(([role, content], i) => ({ role, content, at: start + i * 7 * MINUTE }));
}

/** The sentences of the long conversation that answer "what are John's goals with his basketball career?". */
export const BASKETBALL_GOALS = [
  'My goal is to get drafted by an NBA team after my senior season.',
  'I want to raise my three-point percentage to 40 percent this year.',
  'Long term I want to win a championship and then start a basketball camp for kids in my hometown.',
  'I also want to build my brand with a shoe endorsement deal, since a career in basketball does not last forever.',
];

const SMALL_TALK: ReadonlyArray<readonly [string, string]> = [
  ['Tim', 'That’s awesome!'],
  ['John', 'Hey Tim, good to hear from you! How have you been?'],
  ['Tim', 'Pretty good! Busy with work and my writing. How about you?'],
  ['John', 'Same here, practice keeps me busy every day.'],
  ['Tim', 'Awesome!'],
  ['Tim', 'That’s great!'],
  ['John', 'We went hiking with my family last weekend, the view from the top was amazing.'],
  ['Tim', 'Wow, that sounds amazing! I love hiking too.'],
  ['Tim', 'I finally finished the second chapter of my fantasy novel.'],
  ['John', 'That’s awesome, Tim! What is it about?'],
  ['Tim', 'It is about a young wizard who travels across a broken kingdom.'],
  ['John', 'Sounds cool! I would love to read it when it is done.'],
  ['Tim', 'Thanks!'],
  ['John', 'My mom made her famous lasagna on Sunday.'],
  ['Tim', 'Yum, I love lasagna.'],
  ['Tim', 'I visited London last month and saw a play in the West End.'],
  ['John', 'That’s awesome! Did you like it?'],
  ['Tim', 'It was great, the actors were fantastic.'],
  ['John', 'I have been watching a lot of movies lately to relax.'],
  ['Tim', 'Any favorites?'],
  ['John', 'I liked the new space documentary a lot.'],
  ['Tim', 'That’s great!'],
  ['Tim', 'I am thinking about learning to play the guitar.'],
  ['John', 'You should go for it!'],
  ['Tim', 'Awesome!'],
  ['John', 'My dog learned a new trick, he can roll over now.'],
  ['Tim', 'Haha, that’s awesome!'],
  ['Tim', 'I want to publish my novel by the end of next year.'],
  ['John', 'Take care, Tim!'],
  ['Tim', 'You too, John!'],
];

/**
 * A 680-turn conversation between John (a college basketball player) and Tim (a writer), in 34
 * sessions a week apart: mostly small talk and "That's awesome!", with John's basketball goals said
 * once each, far apart, and other basketball talk that is not about goals.
 */
export function longConversation(start = Date.UTC(2023, 0, 7, 18, 0)): Turn[] {
  const turns: Turn[] = [];
  const goalsAt = new Map([[37, 0], [211, 1], [398, 2], [583, 3]]);
  const basketball = new Map([
    [120, 'We won our game last night, I scored 18 points.'],
    [290, 'Coach made us run extra drills after practice today.'],
    [460, 'Our team bus broke down on the way to the away game, so we arrived late.'],
  ]);
  for (let i = 0; i < 680; i++) {
    const session = Math.floor(i / 20);
    const at = start + session * 7 * DAY + (i % 20) * MINUTE;
    const goal = goalsAt.get(i);
    const game = basketball.get(i);
    if (goal !== undefined) turns.push({ role: 'John', content: `You know, I have been thinking about my future. ${BASKETBALL_GOALS[goal]!}`, at });
    else if (game !== undefined) turns.push({ role: 'John', content: game, at });
    else {
      const [role, content] = SMALL_TALK[(i * 7 + session) % SMALL_TALK.length]!;
      turns.push({ role, content, at });
    }
  }
  return turns;
}
