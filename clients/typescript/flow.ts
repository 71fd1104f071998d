// A storefront's flow written against the types generated from furusato's OpenAPI document.
// CI generates `generated/schema.d.ts` from the running code's document and type-checks this
// file with `tsc --strict`: a dropped operation, a renamed field or a wrong type fails the build.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema";

type PublicGift = components["schemas"]["PublicGift"];
type DonorDonationView = components["schemas"]["DonorDonationView"];
type Problem = components["schemas"]["Problem"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

/** Experience gifts between ¥10,000 and ¥30,000 in stock, cheapest first. */
export async function browse(): Promise<PublicGift[]> {
  const { data, error } = await api.GET("/api/v1/gifts", {
    params: {
      query: {
        category: "experience",
        min_amount: 10_000,
        max_amount: 30_000,
        in_stock: true,
        sort: "amount_asc",
        page: 1,
        per_page: 20,
      },
    },
  });
  if (error) throw new Error(`${error.code}: ${error.detail}`);
  // A public gift never carries the procurement cost.
  // @ts-expect-error procurement_cost is admin-only
  void data.items[0]?.procurement_cost;
  return data.items;
}

/** One gift's page. */
export async function show(id: string): Promise<PublicGift> {
  const { data, error } = await api.GET("/api/v1/gifts/{id}", {
    params: { path: { id } },
  });
  if (error) throw new Error(`${error.code}: ${error.detail}`);
  const stock: number | null | undefined = data.stock_remaining;
  void stock;
  return data;
}

/** An on-site voucher donation, safe to retry: the same key never makes a second donation. */
export async function donate(
  idempotencyKey: string,
): Promise<{ id: string; accessToken: string }> {
  const { data, error, response } = await api.POST("/api/v1/donations", {
    params: { header: { "Idempotency-Key": idempotencyKey } },
    body: {
      kind: "on_site",
      amount: 30_000,
      one_stop: true,
      donor: {
        name: "品川 花子",
        name_kana: "シナガワ ハナコ",
        email: "hanako@example.jp",
        phone: "06-1234-5678",
        postal_code: "530-0001",
        prefecture: "大阪府",
        city: "大阪市北区",
        address_line: "梅田1-1-1",
      },
    },
  });
  if (error) {
    const problem: Problem = error;
    const fields = problem.errors?.map((f) => `${f.field}: ${f.message}`) ?? [];
    throw new Error(`${response.status} ${problem.code} ${fields.join("; ")}`);
  }
  // The access token is always in a 201 answer.
  const accessToken: string = data.access_token;
  return { id: data.id, accessToken };
}

/** The donor reads the donation back with its token, including an on-site voucher. */
export async function readBack(id: string, accessToken: string): Promise<string | null> {
  const { data, error } = await api.GET("/api/v1/donations/{id}", {
    params: { path: { id } },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) throw new Error(`${error.code}: ${error.detail}`);
  const view: DonorDonationView = data;
  if (view.voucher) {
    const balance: number = view.voucher.balance;
    const qr: string = view.voucher.qr_svg;
    void balance;
    void qr;
  }
  return view.voucher?.code ?? null;
}

/** The receipt (寄附金受領証明書) once paid. */
export async function receipt(id: string, accessToken: string): Promise<string> {
  const { data, error } = await api.GET("/api/v1/donations/{id}/receipt", {
    params: { path: { id } },
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (error) throw new Error(`${error.code}: ${error.detail}`);
  // JSON by default; the same path answers a printable page to `Accept: text/html`.
  if (typeof data === "string") throw new Error("asked for JSON");
  const amount: number = data.amount;
  void amount;
  return data.receipt_number;
}
