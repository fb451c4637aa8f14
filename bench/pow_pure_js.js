// bench/comment_pow.py only: the shipped worker's search (newsdesk/captcha/static/captcha/
// pow-worker.js) with PBKDF2-HMAC-SHA256 in plain JavaScript instead of WebCrypto, so that
// DevTools' CPU throttling slows all of the work. It is the bound a phone's browser would hit
// if its WebCrypto were no faster than its JavaScript. Same payload; the server verifies it.
// Works as a Web Worker (postMessage a challenge) and on a page (solvePure(challenge)).
"use strict";

var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
var IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
var W = new Int32Array(64);

// One SHA-256 compression of the 16 words `m` into the 8 words `h` (both Int32Array).
function compress(h, m) {
  for (var t = 0; t < 16; t++) W[t] = m[t];
  for (t = 16; t < 64; t++) {
    var x = W[t - 15], y = W[t - 2];
    var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
  }
  var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (t = 0; t < 64; t++) {
    var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    var t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
}

// SHA-256 of `bytes` continued from state `h` after `done` bytes already hashed.
function finish(h, bytes, done) {
  var total = done + bytes.length, padded = Math.ceil((bytes.length + 9) / 64) * 64;
  var buf = new Uint8Array(padded);
  buf.set(bytes);
  buf[bytes.length] = 0x80;
  var bits = total * 8;
  buf[padded - 4] = bits >>> 24; buf[padded - 3] = bits >>> 16; buf[padded - 2] = bits >>> 8; buf[padded - 1] = bits;
  var m = new Int32Array(16);
  for (var off = 0; off < padded; off += 64) {
    for (var i = 0; i < 16; i++) {
      var p = off + i * 4;
      m[i] = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
    }
    compress(h, m);
  }
  return h;
}

// PBKDF2-HMAC-SHA256, one 32-byte block (keyLength <= 32), the HMAC pads hashed once.
function pbkdf2(password, salt, iterations, keyLength) {
  var key = password.length > 64 ? words2bytes(finish(new Int32Array(IV), password, 0)) : password;
  var ipad = new Uint8Array(64), opad = new Uint8Array(64);
  for (var i = 0; i < 64; i++) { ipad[i] = (key[i] || 0) ^ 0x36; opad[i] = (key[i] || 0) ^ 0x5c; }
  var inner = new Int32Array(IV), outer = new Int32Array(IV), m = new Int32Array(16);
  for (i = 0; i < 16; i++) m[i] = (ipad[i * 4] << 24) | (ipad[i * 4 + 1] << 16) | (ipad[i * 4 + 2] << 8) | ipad[i * 4 + 3];
  compress(inner, m);
  for (i = 0; i < 16; i++) m[i] = (opad[i * 4] << 24) | (opad[i * 4 + 1] << 16) | (opad[i * 4 + 2] << 8) | opad[i * 4 + 3];
  compress(outer, m);
  var first = new Uint8Array(salt.length + 4);
  first.set(salt);
  first[salt.length + 3] = 1;  // block index 1, big-endian
  var u = finish(outer.slice(), words2bytes(finish(inner.slice(), first, 64)), 64);
  var out = u.slice();
  // U2..Un: each HMAC of a 32-byte message is one compression inside, one outside.
  var block = new Int32Array(16), h = new Int32Array(8);
  for (var n = 1; n < iterations; n++) {
    for (i = 0; i < 8; i++) block[i] = u[i];
    block[8] = 0x80000000; for (i = 9; i < 15; i++) block[i] = 0; block[15] = (64 + 32) * 8;
    h.set(inner); compress(h, block);
    for (i = 0; i < 8; i++) block[i] = h[i];
    u.set(outer); compress(u, block);
    for (i = 0; i < 8; i++) out[i] ^= u[i];
  }
  return words2bytes(out).subarray(0, keyLength);
}

function words2bytes(words) {
  var bytes = new Uint8Array(words.length * 4);
  for (var i = 0; i < words.length; i++) {
    bytes[i * 4] = words[i] >>> 24; bytes[i * 4 + 1] = words[i] >>> 16;
    bytes[i * 4 + 2] = words[i] >>> 8; bytes[i * 4 + 3] = words[i];
  }
  return bytes;
}

function bytesOfHex(hex) {
  var bytes = new Uint8Array(hex.length / 2);
  for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function hexOf(bytes) {
  var out = "";
  for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

function solvePure(challenge) {
  var parameters = challenge.parameters;
  var nonce = bytesOfHex(parameters.nonce), salt = bytesOfHex(parameters.salt);
  var password = new Uint8Array(nonce.length + 4);
  password.set(nonce);
  var started = performance.now();
  for (var counter = 0; counter <= 0xffffffff; counter++) {
    new DataView(password.buffer).setUint32(nonce.length, counter, false);
    var key = hexOf(pbkdf2(password, salt, parameters.cost, parameters.keyLength));
    if (key.indexOf(parameters.keyPrefix) === 0) {
      var time = Math.round(performance.now() - started);
      var payload = {challenge: challenge, solution: {counter: counter, derivedKey: key, time: time}};
      return {payload: btoa(JSON.stringify(payload)), counter: counter, time: time};
    }
  }
  return {error: "no solution"};
}

if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = function (event) { self.postMessage(solvePure(event.data)); };
}
