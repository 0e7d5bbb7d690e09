/**
 * The wire codec: golden bytes worked out by hand from the field numbers in machine.proto, round
 * trips of every message strata uses, and the proto3 rules (defaults omitted, unknown fields
 * skipped, packed or unpacked repeated scalars, merged nested messages, malformed input refused).
 */
import assert from "node:assert/strict";
const assertEquals = (actual: unknown, expected: unknown, message?: string): void =>
  message === undefined
    ? assert.deepStrictEqual(actual, expected)
    : assert.deepStrictEqual(actual, expected, message);
import { decodeMessage, encodeMessage, type MessageSpec } from "./codec.ts";
import {
  ApplyConfigurationRequest,
  ApplyConfigurationResponse,
  ApplyMode,
  Data,
  EtcdMember,
  EtcdMemberListResponse,
  msOf,
  RpcStatus,
  ServiceListResponse,
  timestampOf,
  VersionResponse,
} from "./messages.ts";
import { ProtoError, ProtoReader, ProtoWriter } from "./wire.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const bytes = (h: string) => new Uint8Array(h.split(/\s+/).filter(Boolean).map((x) => parseInt(x, 16)));
const text = (s: string) => new TextEncoder().encode(s);

Deno.test("golden: ApplyConfigurationRequest{data: 'abc', mode: AUTO, dry_run: true}", () => {
  // field 1 (data) LEN: key (1<<3)|2 = 0x0a, length 3, "abc"
  // field 4 (mode) VARINT: key (4<<3)|0 = 0x20, AUTO = 1
  // field 5 (dry_run) VARINT: key (5<<3)|0 = 0x28, true = 1
  const encoded = encodeMessage(ApplyConfigurationRequest, {
    data: text("abc"),
    mode: ApplyMode.AUTO,
    dryRun: true,
  });
  assertEquals(hex(encoded), "0a 03 61 62 63 20 01 28 01");
  const back = decodeMessage(ApplyConfigurationRequest, encoded);
  assertEquals(new TextDecoder().decode(back.data), "abc");
  assertEquals(back.mode, 1);
  assertEquals(back.dryRun, true);
  assertEquals(back.tryModeTimeout, undefined);
});

Deno.test("golden: REBOOT (0) and dry_run false are proto3 defaults and not written", () => {
  const encoded = encodeMessage(ApplyConfigurationRequest, { data: text("x"), mode: ApplyMode.REBOOT });
  assertEquals(hex(encoded), "0a 01 78");
});

Deno.test("golden: ApplyConfigurationResponse with one message", () => {
  // inner ApplyConfiguration: warnings (2) "w" = 12 01 77; mode (3) NO_REBOOT = 18 02; mode_details (4) "ok" = 22 02 6f 6b
  // outer: messages (1) LEN 9 = 0a 09 …
  const encoded = encodeMessage(ApplyConfigurationResponse, {
    messages: [{ metadata: undefined, warnings: ["w"], mode: ApplyMode.NO_REBOOT, modeDetails: "ok" }],
  });
  assertEquals(hex(encoded), "0a 09 12 01 77 18 02 22 02 6f 6b");
  const back = decodeMessage(ApplyConfigurationResponse, encoded);
  assertEquals(back.messages.length, 1);
  assertEquals(back.messages[0].warnings, ["w"]);
  assertEquals(back.messages[0].modeDetails, "ok");
});

Deno.test("golden: EtcdMember with a multi-byte uint64 id", () => {
  // id (2) = 300: key 0x10, varint 300 = 0xac 0x02; hostname (3) "cp-1": 1a 04 63 70 2d 31;
  // peer_urls (4) "u": 22 01 75; is_learner (6) true: 30 01
  const encoded = encodeMessage(EtcdMember, {
    id: 300n,
    hostname: "cp-1",
    peerUrls: ["u"],
    clientUrls: [],
    isLearner: true,
  });
  assertEquals(hex(encoded), "10 ac 02 1a 04 63 70 2d 31 22 01 75 30 01");
});

Deno.test("uint64 ids keep all 64 bits (bigint), int32 negatives are 10-byte varints", () => {
  const max = (1n << 64n) - 1n;
  const encoded = encodeMessage(EtcdMember, {
    id: max,
    hostname: "",
    peerUrls: [],
    clientUrls: [],
    isLearner: false,
  });
  assertEquals(hex(encoded), "10 ff ff ff ff ff ff ff ff ff 01");
  assertEquals(decodeMessage(EtcdMember, encoded).id, max);
  const status = encodeMessage(RpcStatus, { code: -1, message: "", details: [] });
  assertEquals(hex(status), "08 ff ff ff ff ff ff ff ff ff 01");
  assertEquals(decodeMessage(RpcStatus, status).code, -1);
});

Deno.test("round trip: VersionResponse, ServiceListResponse, EtcdMemberListResponse, Data", () => {
  const version = {
    messages: [{
      metadata: { hostname: "cp-1", error: "", status: undefined },
      version: { tag: "v1.13.9", sha: "abc", built: "", goVersion: "go1.24", os: "linux", arch: "amd64" },
      platform: { name: "nocloud", mode: "cloud" },
      features: { rbac: true },
    }],
  };
  assertEquals(decodeMessage(VersionResponse, encodeMessage(VersionResponse, version)), version);

  const services = {
    messages: [{
      metadata: undefined,
      services: [{
        id: "etcd",
        state: "Running",
        events: {
          events: [{ msg: "Health check successful", state: "Running", ts: timestampOf(1_700_000_000_123) }],
        },
        health: {
          unknown: false,
          healthy: true,
          lastMessage: "",
          lastChange: timestampOf(1_700_000_000_000),
        },
      }],
    }],
  };
  const back = decodeMessage(ServiceListResponse, encodeMessage(ServiceListResponse, services));
  assertEquals(back.messages[0].services[0].id, "etcd");
  assertEquals(msOf(back.messages[0].services[0].events!.events[0].ts!), 1_700_000_000_123);
  assertEquals(back.messages[0].services[0].health!.healthy, true);

  const members = {
    messages: [{
      metadata: undefined,
      legacyMembers: ["cp-1", "cp-2"],
      members: [
        {
          id: 0x8e2fd1c3a4b5c6d7n,
          hostname: "cp-1",
          peerUrls: ["https://10.0.1.11:2380"],
          clientUrls: [],
          isLearner: false,
        },
        { id: 2n, hostname: "cp-2", peerUrls: [], clientUrls: ["https://10.0.1.12:2379"], isLearner: true },
      ],
    }],
  };
  const m = decodeMessage(EtcdMemberListResponse, encodeMessage(EtcdMemberListResponse, members));
  assertEquals(m.messages[0].members[0].id, 0x8e2fd1c3a4b5c6d7n);
  assertEquals(m.messages[0].members[1].isLearner, true);
  assertEquals(m.messages[0].legacyMembers, ["cp-1", "cp-2"]);

  const data = decodeMessage(Data, encodeMessage(Data, { bytes: new Uint8Array([0, 1, 2, 255]) }));
  assertEquals(Array.from(data.bytes), [0, 1, 2, 255]);
  assertEquals(data.metadata, undefined);
});

interface Nums {
  values: number[];
  big: bigint[];
  flags: boolean[];
}
const Nums: MessageSpec<Nums> = {
  name: "test.Nums",
  fields: {
    values: { no: 1, type: "int32", repeated: true },
    big: { no: 2, type: "uint64", repeated: true },
    flags: { no: 3, type: "bool", repeated: true },
  },
};

Deno.test("repeated scalars are written packed and read packed or unpacked", () => {
  const packed = encodeMessage(Nums, { values: [1, 150], big: [], flags: [true, false] });
  // values (1) LEN 3: 01 96 01; flags (3) LEN 2: 01 00
  assertEquals(hex(packed), "0a 03 01 96 01 1a 02 01 00");
  assertEquals(decodeMessage(Nums, packed), { values: [1, 150], big: [], flags: [true, false] });
  // unpacked: three separate varint fields of number 1, then one of number 2
  assertEquals(decodeMessage(Nums, bytes("08 01 08 96 01 08 03 10 05")), {
    values: [1, 150, 3],
    big: [5n],
    flags: [],
  });
});

Deno.test("unknown fields are skipped, including fixed32/fixed64 ones", () => {
  const w = new ProtoWriter();
  w.string(3, "cp-1").fixed32(90, 7).fixed64(91, 9n).varint(92, 1).bytes(93, new Uint8Array([1, 2]));
  const m = decodeMessage(EtcdMember, w.finish());
  assertEquals(m.hostname, "cp-1");
});

Deno.test("a nested message that appears twice is merged", () => {
  // metadata {hostname: "a"} then metadata {error: "boom"}: one metadata with both
  const w = new ProtoWriter();
  w.bytes(1, new ProtoWriter().string(1, "a").finish());
  w.bytes(1, new ProtoWriter().string(2, "boom").finish());
  const d = decodeMessage(Data, w.finish());
  assertEquals(d.metadata?.hostname, "a");
  assertEquals(d.metadata?.error, "boom");
});

Deno.test("malformed input is refused with a ProtoError", () => {
  for (
    const bad of [
      "0a 05 61 62", // length beyond the end
      "10 ff ff", // truncated varint
      "10 ff ff ff ff ff ff ff ff ff ff 01", // varint longer than 10 bytes
      "0b 00", // wire type 3 (group)
      "00 01", // field number 0
    ]
  ) {
    assert.throws(() => decodeMessage(EtcdMember, bytes(bad)), ProtoError, bad);
  }
  // a string field sent as a varint
  assert.throws(() => decodeMessage(EtcdMember, bytes("18 01")), /hostname/);
});

Deno.test("the reader reports every field in wire order", () => {
  const w = new ProtoWriter().varint(1, 5).string(2, "x").varint(1, 6);
  assertEquals([...new ProtoReader(w.finish())].map((f) => f.field), [1, 2, 1]);
});
