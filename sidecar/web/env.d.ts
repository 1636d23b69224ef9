// Stylesheets are imported for esbuild, which bundles them into the page's .css file.
declare module "*.css";
