// Solves one proof-of-work challenge (the ALTCHA protocol, v2, PBKDF2-SHA256) off the page's
// thread: tries counters 0, 1, 2... until the key derived from nonce + counter starts with the
// challenge's keyPrefix, then posts the payload the server verifies. WebCrypto derives in native
// code, so this costs the reader's machine about what the same work costs a bot.
"use strict";

var BATCH = 16;  // derivations in flight at once: hides the cost of each promise's round trip

function bytesOfHex(hex) {
  var bytes = new Uint8Array(hex.length / 2);
  for (var i = 0; i < bytes.length; i++) { bytes[i] = parseInt(hex.substr(i * 2, 2), 16); }
  return bytes;
}

function hexOf(buffer) {
  var bytes = new Uint8Array(buffer), out = "";
  for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
  return out;
}

function derive(parameters, nonce, salt, counter) {
  var password = new Uint8Array(nonce.length + 4);
  password.set(nonce);
  new DataView(password.buffer).setUint32(nonce.length, counter, false);  // big-endian uint32
  return crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"])
    .then(function (key) {
      return crypto.subtle.deriveBits(
        {name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: parameters.cost},
        key, parameters.keyLength * 8);
    }).then(hexOf);
}

self.onmessage = async function (event) {
  var challenge = event.data;
  var parameters = challenge.parameters;
  var nonce = bytesOfHex(parameters.nonce), salt = bytesOfHex(parameters.salt);
  var prefix = parameters.keyPrefix;
  var started = performance.now();
  try {
    for (var counter = 0; counter <= 0xffffffff; counter += BATCH) {
      var batch = [];
      for (var i = 0; i < BATCH; i++) { batch.push(derive(parameters, nonce, salt, counter + i)); }
      var keys = await Promise.all(batch);
      for (var j = 0; j < keys.length; j++) {
        if (keys[j].indexOf(prefix) === 0) {
          var time = Math.round(performance.now() - started);
          var payload = {challenge: challenge, solution: {counter: counter + j, derivedKey: keys[j], time: time}};
          self.postMessage({payload: btoa(JSON.stringify(payload)), counter: counter + j, time: time});
          return;
        }
      }
    }
    self.postMessage({error: "no solution"});
  } catch (error) {
    self.postMessage({error: String(error)});
  }
};
