// Function images: the pure build plan for images/function/Dockerfile, the context packer, and the build itself.
export {
  type BuildDependencies,
  type BuiltImage,
  buildFunctionImage,
  planImage,
  type TextSink,
} from './build.ts';
export { type ContextRoots, type PackedContext, packContext } from './context.ts';
export {
  type ContextEntry,
  DEFAULT_BASE_IMAGE,
  DOCKERFILE_TEMPLATE,
  defaultTag,
  ENTRYPOINT_SCRIPT,
  FUNCTION_DIR,
  FUNCTION_USER,
  type FunctionImageOptions,
  functionNameOf,
  HELPER_LIBRARIES,
  type ImageBuildPlan,
  type ImageInputs,
  ImageOptionsError,
  imageBuildPlan,
  LABEL,
  type ProductionPackage,
  productionPackages,
  RUNTIME_ENTRY,
} from './dockerfile.ts';
export { type BuildEvent, BuildProgress, ImageBuildError } from './progress.ts';
