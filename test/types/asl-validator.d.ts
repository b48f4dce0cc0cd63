// asl-validator ships no type declarations; this is the part the ASL test uses.
declare module 'asl-validator' {
  export default function validator(definition: unknown, options?: { checkArn?: boolean; checkPaths?: boolean }): { isValid: boolean; errors?: unknown[] };
}
