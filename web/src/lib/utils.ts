import { clsx, type ClassValue } from "clsx";

// cn joins class names (conditional ones too), as shadcn's components do.
export function cn(...inputs: ClassValue[]): string {
  return clsx(inputs);
}
