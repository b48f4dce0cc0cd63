/** Files bundled as text by esbuild (`with { type: 'text' }`): the docs page's renderer. */
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
