/**
 * PVE's permission checks (`PVE::RPCEnvironment`: `check`, `check_any`, `check_vm_perm`,
 * `check_api2_permissions`, `exec_api2_perm_check`) over the lab's access model, failing with
 * HTTP 403 and PVE's message, e.g. "Permission check failed (/vms/101, VM.Allocate)".
 *
 * @example
 * ```ts
 * const perms = new Permissions(access, "strata@pve!strata");
 * perms.api2(API_MODEL["POST /nodes/{node}/qemu/{vmid}/status/start"].permissions, { vmid: "101" });
 * ```
 */
import { type AccessState, effectivePrivileges } from "./access.ts";
import { permissionException } from "./exception.ts";

/** `PVE::AccessControl::normalize_path`. */
export function normalizePath(path: string): string {
  const p = `/${path}`.replace(/\/+/g, "/").replace(/\/$/, "");
  return p || "/";
}

export class Permissions {
  constructor(private readonly access: AccessState, readonly authid: string) {}

  /** Every privilege in `privs` on `path`, else 403 naming the first missing one. */
  check(path: string, privs: string[], noerr = false): boolean {
    const have = effectivePrivileges(this.access, this.authid, path);
    for (const priv of privs) {
      if (have.has(priv)) continue;
      if (noerr) return false;
      throw permissionException(`${path}, ${priv}`);
    }
    return true;
  }

  /** At least one privilege of `privs` on `path`, else 403 naming them all ("a|b"). */
  checkAny(path: string, privs: string[], noerr = false): boolean {
    const have = effectivePrivileges(this.access, this.authid, path);
    if (privs.some((p) => have.has(p))) return true;
    if (noerr) return false;
    throw permissionException(`${path}, ${privs.join("|")}`);
  }

  checkFull(path: string, privs: string[], any: boolean, noerr = false): boolean {
    return any ? this.checkAny(path, privs, noerr) : this.check(path, privs, noerr);
  }

  /** `check_vm_perm`: the VM's pool may grant it; else /vms/<vmid> decides. */
  checkVm(vmid: string | number, privs: string[], any = false, noerr = false): boolean {
    const pool = Object.entries(this.access.pools ?? {}).find(([, p]) =>
      p.vms.some((v) => String(v) === String(vmid))
    );
    if (pool && this.checkFull(`/pool/${pool[0]}`, privs, any, true)) return true;
    return this.checkFull(`/vms/${vmid}`, privs, any, noerr);
  }

  /** `check_api2_permissions`: the endpoint's declared check (root@pam passes everything). */
  api2(perm: { check?: unknown[]; user?: string }, params: Record<string, unknown>): void {
    if (this.authid === "root@pam") return;
    if (perm.user === "all") return;
    if (perm.check) {
      this.exec(perm.check, params);
      return;
    }
    throw permissionException();
  }

  /** `exec_api2_perm_check` for the tests apidata.js uses: and, or, perm (with any / require_param). */
  exec(check: unknown[], params: Record<string, unknown>, noerr = false): boolean {
    const [test, ...rest] = check as [string, ...unknown[]];
    if (test === "and") {
      for (const sub of rest) this.exec(sub as unknown[], params);
      return true;
    }
    if (test === "or") {
      for (const sub of rest) if (this.exec(sub as unknown[], params, true)) return true;
      if (noerr) return false;
      throw permissionException();
    }
    if (test === "perm") {
      const [template, privs, ...opts] = rest as [string, string[], ...unknown[]];
      const options: Record<string, unknown> = {};
      for (let i = 0; i < opts.length; i += 2) options[String(opts[i])] = opts[i + 1];
      const required = options.require_param as string | undefined;
      if (required && params[required] === undefined) {
        if (noerr) return false;
        throw permissionException();
      }
      const path = template.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
      return this.checkFull(normalizePath(path), privs, !!options.any, noerr);
    }
    throw new Error(`lab: permission test '${test}' is not emulated`);
  }
}
