// SVG files are imported as strings by the labextension builder.
declare module '*.svg' {
  const value: string;
  export default value;
}
