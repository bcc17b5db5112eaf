import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Caller } from './api';

/** Who the console's key is (GET /v1/caller), so pages offer only what its role may do. */
export const CallerContext = createContext<Caller>({ name: 'default', role: 'operate' });

/**
 * What the key's role allows, as the API decides it: send and operate may retry and cancel (a send
 * key sees only its own notifications); read and operate may list and watch; only operate may pause,
 * resume, set limits and recover. Hiding what would be refused spares the operator a 403.
 */
export function useAllowed() {
  const { role } = useContext(CallerContext);
  return {
    act: role === 'send' || role === 'operate',
    read: role === 'read' || role === 'operate',
    operate: role === 'operate',
  };
}
