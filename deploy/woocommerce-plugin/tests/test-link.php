<?php
/**
 * The wa.me link and the product page message.
 *
 * @package Balas_WhatsApp
 */

function test_link_keeps_only_the_digits_of_the_number() {
	assert_same( 'https://wa.me/6281234567890', Balas_WhatsApp_Link::to( '+62 812-3456-7890', '' ) );
}

function test_link_percent_encodes_the_message() {
	assert_same(
		'https://wa.me/6281234567890?text=Halo%2C%20ada%20batik%20%26%20kain%3F%20100%25%20%2B%20%23promo',
		Balas_WhatsApp_Link::to( '+6281234567890', 'Halo, ada batik & kain? 100% + #promo' )
	);
}

function test_link_encodes_non_ascii_text_as_utf8() {
	assert_same( 'https://wa.me/6281234567890?text=Ol%C3%A1%20%F0%9F%91%8B', Balas_WhatsApp_Link::to( '+6281234567890', 'Olá 👋' ) );
}

function test_product_message_names_the_product_and_its_address() {
	assert_same(
		'Saya mau Batik Tulis Parang: https://toko.example/p/1',
		Balas_WhatsApp_Link::product_message( 'Saya mau {product}: {url}', 'Batik Tulis Parang', 'https://toko.example/p/1' )
	);
}

function test_product_message_leaves_placeholders_inside_the_product_name_alone() {
	assert_same(
		'Saya mau Kain {url} (https://toko.example/p/1)',
		Balas_WhatsApp_Link::product_message( 'Saya mau {product} ({url})', 'Kain {url}', 'https://toko.example/p/1' )
	);
}
