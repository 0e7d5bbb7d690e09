import { assert, assertEquals } from "../../tests/testing.ts";
import { cidrBounds, cidrContains, cidrsOverlap, intToIp, ipToInt, isIpv6, parseCidr } from "./net.ts";

Deno.test("ipToInt and intToIp round-trip; malformed addresses are undefined", () => {
  for (const ip of ["0.0.0.0", "10.0.1.11", "192.168.255.1", "255.255.255.255"]) {
    assertEquals(intToIp(ipToInt(ip)!), ip);
  }
  assertEquals(ipToInt("255.255.255.255"), 0xffffffff);
  for (const bad of ["10.0.1", "10.0.1.256", "a.b.c.d", "10.0.1.1.1", ""]) {
    assertEquals(ipToInt(bad), undefined, bad);
  }
});

Deno.test("parseCidr rejects host bits and prefixes above 32", () => {
  assertEquals(parseCidr("10.0.0.0/16")?.prefix, 16);
  assertEquals(parseCidr("0.0.0.0/0")?.base, 0);
  assertEquals(parseCidr("10.0.1.0/16"), undefined);
  assertEquals(parseCidr("10.0.0.0/33"), undefined);
  assertEquals(parseCidr("10.0.0.0"), undefined);
});

Deno.test("containment, overlap and bounds", () => {
  const net = parseCidr("10.0.0.0/16")!;
  assert(cidrContains(net, ipToInt("10.0.255.255")!));
  assert(!cidrContains(net, ipToInt("10.1.0.0")!));
  assert(cidrsOverlap(net, parseCidr("10.0.128.0/17")!));
  assert(cidrsOverlap(parseCidr("10.0.128.0/17")!, net));
  assert(!cidrsOverlap(net, parseCidr("10.244.0.0/16")!));
  assert(cidrsOverlap(parseCidr("0.0.0.0/0")!, net));
  assertEquals(cidrBounds(net).map(intToIp), ["10.0.0.0", "10.0.255.255"]);
  assertEquals(cidrBounds(parseCidr("10.0.1.11/32")!).map(intToIp), ["10.0.1.11", "10.0.1.11"]);
});

Deno.test("isIpv6 takes every RFC 4291 text form and nothing else", () => {
  for (
    const ok of ["::", "::1", "2001:db8::1", "fe80::1:2:3:4", "2001:db8:0:0:0:0:0:1", "::ffff:192.0.2.1"]
  ) {
    assert(isIpv6(ok), ok);
  }
  for (
    const bad of [
      "",
      "1.2.3.4",
      "2001:db8::1::2",
      "2001:db8:0:0:0:0:0:0:1",
      "12345::1",
      "::ffff:192.0.2.256",
      "g::1",
    ]
  ) {
    assert(!isIpv6(bad), bad);
  }
});
