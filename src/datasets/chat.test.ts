import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assistant, chat, goodChat, issueOf, user } from './testutil.ts';

/** Asserts the example's issue code and field, and returns the message. */
async function expectIssue(row: unknown, code: string, field: string | null): Promise<string> {
  const issue = await issueOf(row);
  assert.ok(issue, `expected ${code}, got a valid example`);
  assert.deepEqual([issue.code, issue.field], [code, field], issue.message);
  return issue.message;
}

test('valid chat examples pass: system/user/assistant, multi-turn, name, weight', async () => {
  assert.equal(await issueOf(goodChat()), null);
  assert.equal(await issueOf(chat(user('a'), assistant('b', { weight: 0 }), user('c'), assistant('d', { weight: 1, name: 'bob' }))), null);
});

test('tool calls: assistant without content, tool message with tool_call_id, tools list', async () => {
  const call = { id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"x":1}' } };
  const row = {
    ...chat(user(), { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '42' }, assistant('it is 42')),
    tools: [{ type: 'function', function: { name: 'get', description: 'gets', parameters: { type: 'object' } } }],
    parallel_tool_calls: false,
    extra_top_level_key: 'ignored',
  };
  assert.equal(await issueOf(row), null);
  assert.equal(await issueOf(chat(user(), { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }, { role: 'function', name: 'f', content: 'r' }, assistant())), null);
});

test('content parts: text and image_url in user messages are fine', async () => {
  const parts = [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }];
  assert.equal(await issueOf(chat(user(parts), assistant([{ type: 'text', text: 'a cat' }]))), null);
  assert.equal(await issueOf(chat(user([{ type: 'image_url', image_url: 'data:image/png;base64,AAA' }]), assistant())), null);
});

test('missing_messages_list: messages absent from a messages example, not an array, or empty', async () => {
  assert.match(await expectIssue({ messages: 'hi' }, 'missing_messages_list', 'messages'), /^messages: expected an array of messages, got string$/);
  assert.match(await expectIssue({ messages: [] }, 'missing_messages_list', 'messages'), /non-empty/);
  assert.match(await expectIssue({ foo: 1 }, 'missing_messages_list', null), /no messages list/);
});

test('unrecognized_role names the role and the expected ones', async () => {
  const msg = await expectIssue(chat(user(), { role: 'bot', content: 'x' }), 'unrecognized_role', 'messages[1].role');
  assert.equal(msg, "messages[1].role: unrecognized role 'bot' (expected system, user, assistant, tool)");
});

test('message_missing_key: role, content, tool_call_id on tool, name on function', async () => {
  assert.equal(await expectIssue(chat({ content: 'x' }, assistant()), 'message_missing_key', 'messages[0].role'), "messages[0]: missing required key 'role'");
  await expectIssue(chat(user(), { role: 'assistant' }), 'message_missing_key', 'messages[1].content');
  await expectIssue(chat(user(), assistant(), { role: 'tool', content: 'r' }, assistant()), 'message_missing_key', 'messages[2].tool_call_id');
  await expectIssue(chat(user(), { role: 'function', content: 'r' }, assistant()), 'message_missing_key', 'messages[1].name');
});

test('message_unrecognized_key names the key', async () => {
  const msg = await expectIssue(chat(user(), assistant('x', { refusal: null })), 'message_unrecognized_key', 'messages[1].refusal');
  assert.equal(msg, "messages[1]: unrecognized key 'refusal'");
});

test('missing_content: null or empty content, unless an assistant message makes a call', async () => {
  await expectIssue(chat(user(null), assistant()), 'missing_content', 'messages[0].content');
  await expectIssue(chat(user(), assistant('')), 'missing_content', 'messages[1].content');
  await expectIssue(chat(user([]), assistant()), 'missing_content', 'messages[0].content');
  const call = { id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } };
  assert.equal(await issueOf(chat(user(), assistant(null, { tool_calls: [call] }), { role: 'tool', tool_call_id: 'c', content: 'r' }, assistant())), null);
});

test('example_missing_assistant_message and no_trainable_messages', async () => {
  assert.equal(await expectIssue(chat(user()), 'example_missing_assistant_message', null), 'example has no assistant message');
  await expectIssue(chat(user(), assistant('a', { weight: 0 }), user(), assistant('b', { weight: 0 })), 'no_trainable_messages', null);
});

test('invalid_weight: only 0 or 1, only on assistant messages', async () => {
  assert.equal(await expectIssue(chat(user(), assistant('x', { weight: 0.5 })), 'invalid_weight', 'messages[1].weight'), 'messages[1].weight: weight must be 0 or 1, got 0.5');
  await expectIssue(chat({ role: 'user', content: 'x', weight: 1 }, assistant()), 'invalid_weight', 'messages[0].weight');
  await expectIssue(chat(user(), assistant('x', { weight: '1' })), 'invalid_type', 'messages[1].weight');
});

test('wrong types are reported with their path and the received type', async () => {
  assert.equal(await expectIssue(chat(user(), assistant(3)), 'invalid_type', 'messages[1].content'), 'messages[1].content: expected string or array, got number');
  assert.equal(await expectIssue(chat({ role: 'user', content: 'x', name: 7 }, assistant()), 'invalid_type', 'messages[0].name'), 'messages[0].name: expected string, got number');
  await expectIssue({ ...goodChat(), parallel_tool_calls: 'yes' }, 'invalid_type', 'parallel_tool_calls');
  await expectIssue({ ...goodChat(), tools: [{ type: 'function', function: { description: 'x' } }] }, 'missing_key', 'tools[0].function.name');
});

test('content part errors point into the part', async () => {
  await expectIssue(chat(user([{ type: 'text' }]), assistant()), 'missing_key', 'messages[0].content[0].text');
  assert.equal(
    await expectIssue(chat(user([{ type: 'audio', audio: 'x' }]), assistant()), 'invalid_value', 'messages[0].content[0].type'),
    "messages[0].content[0].type: invalid value 'audio' (expected 'text' or 'image_url')",
  );
  await expectIssue(chat(user(), assistant([{ type: 'image_url', image_url: { url: 'https://x' } }])), 'invalid_value', 'messages[1].content[0]');
});

test('tool_calls are checked: shape, type function, only on assistant messages', async () => {
  await expectIssue(chat(user(), assistant(null, { tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] })), 'invalid_type', 'messages[1].tool_calls[0].function.arguments');
  await expectIssue(chat(user(), assistant(null, { tool_calls: [{ id: 'c', type: 'code', function: { name: 'f', arguments: '' } }] })), 'invalid_value', 'messages[1].tool_calls[0].type');
  await expectIssue(chat({ role: 'user', content: 'x', tool_calls: [] }, assistant()), 'invalid_value', 'messages[0].tool_calls');
});

test('a huge bad value is shortened in the message', async () => {
  const issue = await issueOf(chat(user(), { role: 'r'.repeat(500), content: 'x' }));
  assert.ok(issue && issue.message.length < 150, issue?.message);
  assert.match(issue.message, /'r{40}\.\.\.'/);
});

test('a missing key inside a union-typed part is reported as missing', async () => {
  const msg = await expectIssue(chat(user([{ type: 'image_url' }]), assistant()), 'missing_key', 'messages[0].content[0].image_url');
  assert.equal(msg, "messages[0].content[0]: missing required key 'image_url'");
});
