// Stands in for the generated buf/validate/validate_pb.ts in the bundle
// (see vite.config.ts, which passes the names of its messages). The app's
// protos import protovalidate's proto for their validation options, so each
// generated file lists its descriptor as a dependency: 70 KB of base64 the
// browser never uses (the server checks the rules; the options stay
// unparsed). This descriptor has the same package and messages, without
// their fields: enough for every reference the app's descriptors make to
// it (the rule messages that betterplan/rules/v1 extends).
import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { GenFile } from "@bufbuild/protobuf/codegenv2";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

export function stubFile(messages: string[]): GenFile {
  const proto = create(FileDescriptorProtoSchema, {
    name: "buf/validate/validate.proto",
    package: "buf.validate",
    syntax: "proto2",
    messageType: messages.map((name) => ({ name, extensionRange: [{ start: 1000, end: 536870912 }] })),
  });
  return createFileRegistry(proto, () => undefined).getFile(proto.name)!;
}
