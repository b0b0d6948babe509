// meshplane's annotations on App Mesh controller objects: the controller's CRDs have no tags, so an export to
// Kubernetes keeps each resource's App Mesh tags in an annotation (a route's in its router's), and an import
// reads them back. Objects without the annotation leave their resource's tags as they are.
export const tagsAnnotation = "meshplane/tags";
export const routeTagsAnnotation = "meshplane/route-tags";
