import { useState } from 'preact/hooks';
import { apiKey } from '../api.ts';

/** The API key sent as a bearer token; kept in this browser only (localStorage). */
export function KeyField() {
  const [value, setValue] = useState(apiKey.get());
  return (
    <label class="key-field">
      API key
      <input
        type="password"
        placeholder="none"
        value={value}
        autocomplete="off"
        onChange={(e) => {
          const v = (e.target as HTMLInputElement).value.trim();
          setValue(v);
          apiKey.set(v);
        }}
      />
    </label>
  );
}
